"""A small contract that lints clean, for in-process tests of the lint and diff commands
(the real spec takes seconds to lint; this one a fraction)."""

from __future__ import annotations

from pathlib import Path

MINI_SPEC = """\
openapi: 3.0.3
info: {title: Mini, version: "1.0"}
x-evidence-sources:
  provider.reference: {level: known, cites: "the reference", quote: "so", says: "it says so"}
  standard.limits: {level: standard, cites: "the standard", quote: "limits", says: "limits"}
paths:
  /things:
    post:
      operationId: MakeThing
      description: Make a thing.
      requestBody:
        required: true
        x-evidence: {required: provider.reference, content/application/json: provider.reference}
        content:
          application/json:
            schema:
              type: object
              x-assumption: our guess
              required: [name]
              properties:
                name:
                  type: string
                  maxLength: 10
                  x-evidence: {type: provider.reference, maxLength: standard.limits}
              x-evidence: {required/name: provider.reference, properties/name: provider.reference}
            example: {name: a}
      responses:
        "200":
          description: made
          content:
            application/json:
              schema: {type: object, properties: {id: {type: string, pattern: "^[0-9]+$"}}}
              example: {id: "1"}
        "400":
          description: bad
          content:
            application/json:
              schema: {type: object}
              example: {}
"""


def write_spec(folder: Path, text: str = MINI_SPEC) -> Path:
    """The spec in `folder`/openapi.yaml; returns that file."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "openapi.yaml"
    path.write_text(text, encoding="utf-8")
    return path
