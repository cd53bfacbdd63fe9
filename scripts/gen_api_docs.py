"""Generate the HTTP API reference (docs/api.md and docs/openapi.json) from the app itself.

The reference is made from the OpenAPI document FastAPI builds from the route
definitions, so it cannot drift from the code; a test regenerates it and
fails when the committed files differ.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
METHODS = ("get", "post", "put", "patch", "delete")


def openapi() -> dict[str, Any]:
    from liaison.api.app import create_app
    from liaison.node import Node

    with tempfile.TemporaryDirectory() as tmp:
        node, _ = Node.create(str(Path(tmp) / "api.db"), Path(tmp) / "node.key", "docs/api")
        try:
            return create_app(node).openapi()
        finally:
            node.close()


def _params(op: dict[str, Any]) -> list[str]:
    out = []
    for p in op.get("parameters", []):
        schema = p.get("schema", {})
        kind = schema.get("type") or "/".join(
            s.get("type", "?") for s in schema.get("anyOf", []) if isinstance(s, dict)
        )
        need = "required" if p.get("required") else "optional"
        desc = (p.get("description") or "").replace("\n", " ")
        out.append(f"`{p['name']}` ({p['in']}, {kind or 'any'}, {need}) {desc}".rstrip())
    return out


def markdown(spec: dict[str, Any]) -> str:
    lines = [
        "# HTTP API reference",
        "",
        "Generated from the OpenAPI document by `scripts/gen_api_docs.py` (`make docs`);",
        "do not edit. The machine-readable document is [`openapi.json`](openapi.json),",
        "also served at `/openapi.json`, with an interactive page at `/docs`.",
        "",
        "Every route except `/healthz` and `/v1/node` needs",
        "`Authorization: Bearer <member token>`.",
        "Errors are RFC 9457 problems (`application/problem+json`) with a stable `type`",
        "(`urn:liaison:problem:<slug>`). An entry not released to the caller and one that",
        "does not exist give the same `404`.",
        "",
    ]
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, item in sorted(spec["paths"].items()):
        for method in METHODS:
            if method in item:
                op = item[method]
                tag = (op.get("tags") or ["other"])[0]
                by_tag.setdefault(tag, []).append((method.upper(), path, op))
    for tag in sorted(by_tag):
        lines += [f"## {tag}", ""]
        for method, path, op in by_tag[tag]:
            lines += [f"### `{method} {path}`", ""]
            if op.get("summary"):
                lines += [op["summary"], ""]
            if op.get("description"):
                lines += [op["description"].strip(), ""]
            params = _params(op)
            if params:
                lines += ["Parameters:", ""] + [f"- {p}" for p in params] + [""]
            codes = ", ".join(sorted(op.get("responses", {})))
            lines += [f"Responses: {codes}", ""]
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    spec = openapi()
    (ROOT / "docs" / "openapi.json").write_text(json.dumps(spec, indent=2, sort_keys=True) + "\n")
    (ROOT / "docs" / "api.md").write_text(markdown(spec))
    print(f"wrote docs/api.md and docs/openapi.json ({len(spec['paths'])} paths)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
