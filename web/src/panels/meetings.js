// Meetings: the accounts the member may read, side by side, with the divergences the node finds
// between them highlighted where they occur; and the agreed records, with who has signed and
// why each is or is not binding. A unilateral account is never shown as agreement.
import { api, hasRoute } from "../api.js";
import { debounce, facts, missingRoutes, pill, problemBox } from "../common.js";
import { button, fill, h, shortId } from "../dom.js";

const NEEDED = ["GET /v1/meetings", "GET /v1/meetings/{meeting}/accounts", "GET /v1/meetings/{meeting}/divergence"];

const KIND_TEXT = {
  topic_raised_by_differs: "who raised the topic differs",
  statement_missing: "only in this account",
  speaker_differs: "said by someone else in the other account",
  statement_reworded: "worded differently",
  paragraph_missing: "only in this account",
  paragraph_moved: "in another place in the other account",
  paragraph_reworded: "worded differently",
  word_absent: "a word the other account never uses",
};

/** Marks per account label: statements and paragraphs by index, words, and topics. */
function marksOf(report) {
  const marks = new Map();
  const of = (label) => {
    if (!marks.has(label)) marks.set(label, { statement: new Map(), paragraph: new Map(), words: new Map(), topics: new Map() });
    return marks.get(label);
  };
  const add = (map, key, finding) => {
    if (!map.has(key)) map.set(key, []);
    map.get(key).push(finding);
  };
  for (const f of report?.findings || []) {
    switch (f.kind) {
      case "statement_missing":
        add(of(f.present_in).statement, f.index, f);
        break;
      case "paragraph_missing":
        add(of(f.present_in).paragraph, f.index, f);
        break;
      case "statement_reworded":
      case "speaker_differs":
        add(of(f.first).statement, f.first_index, f);
        add(of(f.second).statement, f.second_index, f);
        break;
      case "paragraph_reworded":
      case "paragraph_moved":
        add(of(f.first).paragraph, f.first_index, f);
        add(of(f.second).paragraph, f.second_index, f);
        break;
      case "word_absent":
        add(of(f.present_in).words, f.word.toLowerCase(), f);
        break;
      case "topic_raised_by_differs":
        add(of(f.first).topics, f.topic, f);
        add(of(f.second).topics, f.topic, f);
        break;
      default:
        break;
    }
  }
  return (label) => of(label);
}

/** Text with the words another account never uses wrapped in <mark>. */
function markedText(text, words) {
  if (!words.size) return [text];
  const out = [];
  const re = /[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu;
  let last = 0;
  for (const match of text.matchAll(re)) {
    if (words.has(match[0].toLowerCase())) {
      out.push(text.slice(last, match.index), h("mark", { class: "word-absent", title: "never used by the other account", text: match[0] }));
      last = match.index + match[0].length;
    }
  }
  out.push(text.slice(last));
  return out;
}

function findingNote(findings) {
  return h(
    "ul",
    { class: "finding-notes" },
    findings.map((f) => h("li", { class: `finding finding-${f.kind}`, text: `${KIND_TEXT[f.kind] || f.kind}: ${f.explanation}` })),
  );
}

export function createMeetingsPanel(app) {
  const listBox = h("nav", { class: "meeting-list", "aria-label": "Meetings" });
  const detail = h("section", { class: "meeting-detail", "aria-live": "polite" });
  const el = h(
    "section",
    { class: "view view-panel view-meetings", "aria-labelledby": "meetings-title" },
    h("div", { class: "panel-head" }, h("h2", { id: "meetings-title", text: "Meetings" })),
    h("div", { class: "columns" }, listBox, h("div", { class: "main-column" }, detail)),
  );
  let current = null;
  const available = () => NEEDED.every((r) => hasRoute(...r.split(" ")));

  async function loadList() {
    const { meetings } = await api.get("/v1/meetings");
    fill(
      listBox,
      h("h3", { text: "Meetings" }),
      meetings.length
        ? h(
            "ul",
            { class: "plain" },
            meetings.map((m) =>
              h("li", {}, button(`${m.title}`, () => open(m.id), { class: "link", dataset: { meeting: m.id } }), h("span", { class: "meta", text: ` ${m.held_at.slice(0, 16).replace("T", " ")}Z · ${m.parties.join(", ")}` })),
            ),
          )
        : h("p", { class: "empty", text: "No meeting your party may read." }),
    );
  }

  async function open(id) {
    current = id;
    for (const b of listBox.querySelectorAll("[data-meeting]")) b.setAttribute("aria-current", String(b.dataset.meeting === id));
    const [meeting, accounts, report, agreed] = await Promise.all([
      api.get(`/v1/meetings/${id}`),
      api.get(`/v1/meetings/${id}/accounts`),
      api.get(`/v1/meetings/${id}/divergence`),
      hasRoute("GET", "/v1/meetings/{meeting}/agreed-records") ? api.get(`/v1/meetings/${id}/agreed-records`) : null,
    ]);
    const marks = marksOf(report.report);
    const columns = accounts.accounts.map((a) => accountColumn(a, marks(a.label)));
    const counts = report.report?.counts || {};
    fill(
      detail,
      h("h3", { text: meeting.title }),
      facts([
        ["Held", `${meeting.held_at.slice(0, 16).replace("T", " ")}Z`],
        ["Place", meeting.place],
        ["Parties", meeting.parties.join(", ")],
        ["Participants", meeting.participants.map((p) => `${p.name} (${p.party}, ${p.role})`).join("; ")],
        ["Recorded by", meeting.recorded_by],
      ]),
      h("p", { class: "hint", text: report.note || "" }),
      report.comparable
        ? h("p", {}, `${report.report.findings.length} divergences: `, Object.entries(counts).filter(([, n]) => n).map(([k, n]) => pill(`${n} ${k.replaceAll("_", " ")}`, `finding-${k}`)))
        : h("p", { class: "empty", text: "Fewer than two accounts you may read: nothing to compare." }),
      h("div", { class: "accounts", role: "group", "aria-label": "Accounts side by side" }, columns),
      report.report?.findings.length ? h("details", {}, h("summary", { text: "Every divergence, as the node explains it" }), h("ol", {}, report.report.findings.map((f) => h("li", { class: `finding finding-${f.kind}`, text: `[${f.kind}] ${f.explanation}` })))) : null,
      agreed ? agreedBlock(agreed.agreed_records) : null,
    );
  }

  function accountColumn(a, mark) {
    const account = a.account;
    const statements = account.statements || [];
    const paragraphs = account.paragraphs || [];
    return h(
      "article",
      { class: "account", dataset: { account: a.label } },
      h("h4", { text: a.label }),
      h("p", { class: "meta", text: `entry ${shortId(a.entry)} · released to ${a.release.join(", ")}` }),
      statements.length
        ? h(
            "ol",
            { class: "statements" },
            statements.map((s, i) => {
              const findings = mark.statement.get(i) || [];
              const topicFindings = mark.topics.get(s.topic) || [];
              return h(
                "li",
                { class: findings.length ? `diverges ${findings.map((f) => `finding-${f.kind}`).join(" ")}` : "" },
                h("p", { class: "speaker" }, h("strong", { text: s.speaker }), ` on ${s.topic}`, s.raised_by ? ` (raised by ${s.raised_by})` : "", topicFindings.length ? pill("raised by differs", "finding-topic_raised_by_differs") : null),
                h("p", {}, markedText(s.text, mark.words)),
                findings.length ? findingNote(findings) : null,
              );
            }),
          )
        : null,
      paragraphs.length
        ? h(
            "div",
            { class: "paragraphs" },
            paragraphs.map((p, i) => {
              const findings = mark.paragraph.get(i) || [];
              return h("div", { class: findings.length ? `paragraph diverges ${findings.map((f) => `finding-${f.kind}`).join(" ")}` : "paragraph" }, h("p", {}, markedText(p, mark.words)), findings.length ? findingNote(findings) : null);
            }),
          )
        : null,
    );
  }

  function agreedBlock(records) {
    return h(
      "section",
      {},
      h("h3", { text: "Agreed records" }),
      records.length
        ? h(
            "ul",
            { class: "plain" },
            records.map((r) =>
              h(
                "li",
                {},
                r.binding ? pill("binding", "ok") : pill("not binding", "bad"),
                ` version ${shortId(r.version)} drafted by ${r.drafted_by}; signed by ${r.signed_by.join(", ") || "nobody yet"}`,
                r.missing.length ? h("ul", {}, r.missing.map((m) => h("li", { text: `${m.party}: ${m.reason || m.why || JSON.stringify(m)}` }))) : null,
                h("pre", { class: "terms", text: r.text }),
              ),
            ),
          )
        : h("p", { class: "empty", text: "No agreed record proposed: the accounts above are each party's own, and bind nobody." }),
    );
  }

  const refresh = debounce(async () => {
    await loadList();
    if (current) await open(current);
  }, 250);
  app.live.on(["meeting."], () => refresh());

  let started = false;
  return {
    el,
    async show() {
      if (!available()) {
        fill(listBox, missingRoutes("meetings", NEEDED));
        return;
      }
      if (started) return;
      started = true;
      try {
        await loadList();
      } catch (problem) {
        fill(detail, problemBox(problem));
      }
    },
  };
}
