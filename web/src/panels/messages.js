// Messages: channels and their threads (numbered, timed, with receipts), the party's drafts
// (private to the sending parties until sent), drafting, approving, sending, acknowledging.
import { api, hasRoute } from "../api.js";
import { debounce, facts, missingRoutes, pill, problemBox } from "../common.js";
import { announce, button, clearErrors, field, fill, h, setFieldError, shortId } from "../dom.js";

const NEEDED = ["GET /v1/channels", "GET /v1/channels/{channel}/thread", "GET /v1/messages/drafts"];
const PRECEDENCES = ["routine", "priority", "immediate", "flash"];

export function createMessagesPanel(app) {
  const channelsBox = h("nav", { class: "channels", "aria-label": "Channels" });
  const threadBox = h("section", { class: "thread", "aria-live": "polite" });
  const draftsBox = h("section", { class: "drafts" });
  const composeBox = h("section", { class: "compose" });
  const el = h(
    "section",
    { class: "view view-panel view-messages", "aria-labelledby": "messages-title" },
    h("div", { class: "panel-head" }, h("h2", { id: "messages-title", text: "Messages" })),
    h("div", { class: "columns" }, channelsBox, h("div", { class: "main-column" }, threadBox, draftsBox, composeBox)),
  );
  let channels = [];
  let current = null;
  let replyTo = null;

  const available = () => NEEDED.every((r) => hasRoute(...r.split(" ")));

  async function loadChannels() {
    channels = (await api.get("/v1/channels")).channels;
    fill(
      channelsBox,
      h("h3", { text: "Channels" }),
      channels.length
        ? h(
            "ul",
            { class: "plain" },
            channels.map((c) =>
              h(
                "li",
                {},
                button(`${c.name} (${c.parties.join(", ")})`, () => openChannel(c.channel), {
                  class: "link",
                  "aria-current": current === c.channel ? "true" : null,
                  dataset: { channel: c.channel },
                }),
              ),
            ),
          )
        : h("p", { class: "empty", text: "Your party is on no channel yet." }),
      openChannelForm(),
    );
  }

  function openChannelForm() {
    const form = h("form", { class: "small-form" });
    const others = app.parties.filter((p) => p.id !== app.session.party);
    form.append(
      field("Channel id", h("input", { name: "channel", placeholder: "uk.bmm-moscow", required: true }), { name: "channel" }),
      field("Name", h("input", { name: "name", placeholder: "British Military Mission, Moscow", required: true }), { name: "name" }),
      h("fieldset", { class: "checks" }, h("legend", { text: "With" }), others.map((p) => h("label", {}, h("input", { type: "checkbox", name: "parties", value: p.id }), ` ${p.id}`))),
      h("div", { class: "form-error", hidden: true }),
      h("button", { type: "submit", text: "Open the channel" }),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors(form);
      const data = new FormData(form);
      try {
        await api.post("/v1/channels", { channel: data.get("channel"), name: data.get("name"), parties: data.getAll("parties") });
        announce("Channel opened.");
        await loadChannels();
      } catch (problem) {
        placeProblem(form, problem);
      }
    });
    return h("details", {}, h("summary", { text: "Open a channel" }), form);
  }

  async function openChannel(id) {
    current = id;
    replyTo = null;
    for (const b of channelsBox.querySelectorAll("[data-channel]")) b.setAttribute("aria-current", String(b.dataset.channel === id));
    const channel = channels.find((c) => c.channel === id);
    const [thread, drafts] = await Promise.all([
      api.get(`/v1/channels/${encodeURIComponent(id)}/thread`),
      api.get("/v1/messages/drafts", { channel: id }),
    ]);
    fill(threadBox, h("h3", { text: channel ? channel.name : id }), thread.messages.length ? h("ol", { class: "messages" }, thread.messages.map(messageItem)) : h("p", { class: "empty", text: "No message sent on this channel yet." }));
    const sent = new Set(thread.messages.map((m) => m.draft));
    fill(
      draftsBox,
      h("h3", { text: `Drafts of your party (${drafts.drafts.length})` }),
      h("p", { class: "hint", text: "Drafts are released only to their sending parties. A draft is sent once every sending party has approved the same version." }),
      drafts.drafts.length ? h("ul", { class: "plain" }, drafts.drafts.map((d) => draftItem(d, sent.has(d.id)))) : h("p", { class: "empty", text: "No drafts." }),
    );
    renderCompose(channel);
    for (const m of thread.messages) loadReceipts(m);
  }

  function messageItem(m) {
    const receipts = h("p", { class: "receipts", dataset: { receipts: m.id } });
    const mine = m.addressees.includes(app.session.party);
    return h(
      "li",
      { class: `message precedence-${m.precedence}`, dataset: { message: m.id } },
      h("p", { class: "message-head" }, h("strong", { text: `No. ${m.number}` }), ` · ${m.dtg} · `, pill(m.precedence), ` · ${m.senders.join(" + ")} → ${m.addressees.join(", ")}`),
      h("h4", { text: m.subject }),
      h("p", { class: "message-text", text: m.text }),
      m.in_reply_to ? h("p", { class: "hint", text: `In reply to ${shortId(m.in_reply_to)}` }) : null,
      receipts,
      h(
        "div",
        { class: "actions" },
        mine ? button("Acknowledge receipt", async () => acknowledge(m), { dataset: { ack: m.id } }) : null,
        button("Reply", () => {
          replyTo = m;
          renderCompose(channels.find((c) => c.channel === m.channel), m);
        }),
      ),
    );
  }

  async function loadReceipts(m) {
    const box = threadBox.querySelector(`[data-receipts="${m.id}"]`);
    if (!box) return;
    try {
      const acks = await api.get(`/v1/messages/${m.id}/acknowledgements`);
      const got = acks.acknowledged.map((a) => `${a.party} (${a.at.slice(0, 16).replace("T", " ")}Z)`);
      box.textContent = `Acknowledged by: ${got.join(", ") || "nobody yet"}${acks.pending.length ? `; not yet: ${acks.pending.join(", ")}` : ""}`;
      if (acks.acknowledged.some((a) => a.party === app.session.party)) threadBox.querySelector(`[data-ack="${m.id}"]`)?.remove();
    } catch (problem) {
      box.textContent = problem.detail;
    }
  }

  async function acknowledge(m) {
    try {
      await api.post(`/v1/messages/${m.id}/acknowledgements`, {});
      announce(`Receipt of No. ${m.number} acknowledged.`);
      loadReceipts(m);
    } catch (problem) {
      threadBox.querySelector(`[data-message="${m.id}"]`)?.append(problemBox(problem));
    }
  }

  function draftItem(entry, sent) {
    const b = entry.body;
    const result = h("div");
    const act = async (what, fn) => {
      try {
        await fn();
        fill(result, h("p", { class: "ok", text: `${what}.` }));
        announce(`${what}.`);
        refresh();
      } catch (problem) {
        fill(result, problemBox(problem));
      }
    };
    return h(
      "li",
      { class: "draft", dataset: { draft: entry.id } },
      h("p", {}, sent ? pill("sent", "ok") : pill("draft"), " ", h("strong", { text: b.subject }), ` → ${(b.addressees || []).join(", ")}`),
      h("p", { class: "message-text", text: b.text }),
      facts([
        ["Version", shortId(entry.id)],
        ["Senders", (b.senders || [entry.party]).join(", ")],
        ["Precedence", b.precedence],
      ]),
      sent
        ? null
        : h(
            "div",
            { class: "actions" },
            button("Approve this version", () => act("Approved", () => api.post(`/v1/messages/drafts/${entry.id}/approvals`, {}))),
            button("Send", () => act("Sent", () => api.post(`/v1/messages/drafts/${entry.id}/send`, {}))),
          ),
      sent ? null : amendForm(entry, act),
      result,
    );
  }

  /** A new version of a draft: the earlier one stays on the record, readable to the senders. */
  function amendForm(entry, act) {
    const subject = h("input", { value: entry.body.subject });
    const text = h("textarea", { rows: 4, value: entry.body.text });
    return h(
      "details",
      {},
      h("summary", { text: "Edit (a new version)" }),
      field("Subject", subject),
      field("Text", text),
      button("Save the new version", () =>
        act("New version saved", () => api.post(`/v1/messages/drafts/${entry.id}/amendments`, { subject: subject.value, text: text.value })),
      ),
    );
  }

  function renderCompose(channel, inReplyTo = null) {
    if (!channel) {
      fill(composeBox);
      return;
    }
    const form = h("form", { class: "compose-form", novalidate: true });
    const others = channel.parties.filter((p) => p !== app.session.party);
    form.append(
      h("h3", { text: inReplyTo ? `Reply to No. ${inReplyTo.number}` : "New draft" }),
      field("Subject", h("input", { name: "subject", required: true, value: inReplyTo ? `Re: ${inReplyTo.subject}` : "" }), { name: "subject" }),
      field("Text", h("textarea", { name: "text", rows: 5, required: true }), { name: "text" }),
      h("fieldset", { class: "checks", "data-field": "addressees" }, h("legend", { text: "To" }), others.map((p) => h("label", {}, h("input", { type: "checkbox", name: "addressees", value: p, checked: inReplyTo ? inReplyTo.senders.includes(p) : true }), ` ${p}`))),
      field("Precedence", h("select", { name: "precedence" }, PRECEDENCES.map((p) => h("option", { value: p, text: p }))), { name: "precedence" }),
      h("div", { class: "form-error", hidden: true, role: "alert" }),
      h("button", { type: "submit", class: "primary", text: "Save the draft" }),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors(form);
      const data = new FormData(form);
      if (!String(data.get("subject")).trim()) {
        setFieldError(form, "subject", "A subject is required.");
        return;
      }
      try {
        await api.post("/v1/messages/drafts", {
          channel: channel.channel,
          subject: data.get("subject"),
          text: data.get("text"),
          addressees: data.getAll("addressees"),
          precedence: data.get("precedence"),
          in_reply_to: replyTo ? replyTo.id : null,
        });
        announce("Draft saved: it is on your party's side of the record only.");
        replyTo = null;
        await openChannel(channel.channel);
      } catch (problem) {
        placeProblem(form, problem);
      }
    });
    fill(composeBox, form);
  }

  const refresh = debounce(async () => {
    await loadChannels();
    if (current) await openChannel(current);
  }, 200);

  app.live.on(["message.", "channel."], () => refresh());

  let started = false;
  return {
    el,
    async show() {
      if (!available()) {
        fill(channelsBox, missingRoutes("messages", NEEDED));
        return;
      }
      if (started) return;
      started = true;
      try {
        await loadChannels();
        if (channels.length) await openChannel(channels[0].channel);
      } catch (problem) {
        fill(threadBox, problemBox(problem));
      }
    },
  };
}

/** Put a refusal's field errors next to their fields, the rest at the top of the form. */
export function placeProblem(form, problem) {
  let placed = false;
  for (const { path, message } of problem.fields || []) {
    const name = path.split(".")[0];
    if (setFieldError(form, name, message)) placed = true;
  }
  if (!placed) {
    const general = form.querySelector(".form-error");
    if (general) {
      general.hidden = false;
      fill(general, problemBox(problem));
    }
  }
}
