"""A self-contained HTML report (no scripts, no external files): per operation the cases run
and statuses seen against those documented, then failures, drift, baselined findings and
outages, each finding with its evidence level and replayable request."""

from __future__ import annotations

from html import escape
from pathlib import Path

from conformance.report.model import EXIT_PASS, Finding, RunResult
from conformance.report.terminal import spec_lines

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d232a;max-width:80rem}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccd}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .6rem;
border-bottom:1px solid #e3e6ea;vertical-align:top}th{background:#f4f6f8}
.verdict{padding:.7rem 1rem;border-radius:6px;font-weight:600;font-size:1.05rem}
.pass{background:#e3f6e8;color:#135c2a}.fail{background:#fde8e8;color:#8a1c1c}
.inconclusive{background:#fff4d6;color:#6b4e00}
.badge{display:inline-block;padding:0 .45rem;border-radius:4px;font-size:.8rem;font-weight:600}
.known,.standard{background:#fde2e2;color:#8a1c1c}.decision{background:#fff1c2;color:#6b4e00}
.missed{color:#8a5a00}.finding{border:1px solid #e3e6ea;border-radius:6px;padding:.6rem 1rem;
margin:.8rem 0}pre{background:#f4f6f8;padding:.6rem;white-space:pre-wrap;word-break:break-all}
"""


def _finding(finding: Finding) -> str:
    also = "".join(
        f"<li><span class='badge {escape(v.evidence)}'>{escape(v.evidence)}</span> "
        f"{escape(v.title)} <code>{escape(v.check)}</code><pre>{escape(v.message)}</pre></li>"
        for v in finding.violations[1:]
    )
    spec = "".join(f"<p class='spec'>{escape(line)}</p>" for line in spec_lines(finding))
    repro = spec + (
        f"<p>Reproduce (HTTP {finding.reproduction.status}):</p>"
        f"<pre class='curl'>{escape(finding.reproduction.curl)}</pre>"
        if finding.reproduction
        else ""
    )
    return (
        f"<div class='finding' data-fingerprint='{finding.fingerprint}'>"
        f"<h3><span class='badge {escape(finding.evidence)}'>{escape(finding.evidence)}</span> "
        f"{escape(finding.title)} <code>{escape(finding.check)}</code></h3>"
        f"<p>Operations: {escape(', '.join(finding.operations))}. Seen {finding.count} time(s); "
        f"statuses {escape(', '.join(map(str, sorted(finding.statuses))) or 'none')}; "
        f"first in the {escape(finding.phase)} phase. Rule <code>{escape(finding.rule)}</code>.</p>"
        + (f"<pre>{escape(finding.message)}</pre>" if finding.message.strip() else "")
        + (f"<p>The same response also broke:</p><ul>{also}</ul>" if also else "")
        + repro
        + "</div>"
    )


def render_html(result: RunResult) -> str:
    verdict = result.verdict()
    kind = (
        "pass" if verdict.code == EXIT_PASS else ("fail" if verdict.code == 1 else "inconclusive")
    )
    rows = []
    for op in sorted(result.operations.values(), key=lambda o: o.label):
        seen = ", ".join(f"{s} ({n})" for s, n in sorted(op.observed.items())) or "none"
        missed = ", ".join(map(str, op.missed))
        failing = sum(1 for f in result.failures if op.label in f.operations)
        rows.append(
            f"<tr data-operation='{escape(op.label)}'><td>{escape(op.label)}</td>"
            f"<td>{op.cases}</td><td>{escape(seen)}</td>"
            f"<td>{escape(', '.join(map(str, op.documented)))}"
            + (f" <span class='missed'>(never reached: {escape(missed)})</span>" if missed else "")
            + (
                f" <span class='forced'>(forced: {escape(', '.join(map(str, op.forced)))})</span>"
                if op.forced
                else ""
            )
            + f"</td><td>{failing}</td><td>{op.outages}</td></tr>"
        )
    sections = []
    for title, css, findings in (
        ("Failures: contract and standard rules", "failures", result.failures),
        ("Drift: our reading of the contract (fails only with --strict)", "drift", result.drift),
        ("Accepted by the baseline", "baselined", result.baselined),
    ):
        body = "".join(_finding(f) for f in findings) or "<p>None.</p>"
        sections.append(
            f"<section id='{css}'><h2>{escape(title)} ({len(findings)})</h2>{body}</section>"
        )
    outages = "".join(
        f"<li>{escape(label)}: {n} of {result.operations[label].responses} responses</li>"
        for label, n in sorted(result.outages.items())
    )
    sections.append(
        "<section id='outages'><h2>Outages (documented 429, 500 unavailable, 503 with "
        f"Retry-After)</h2>{f'<ul>{outages}</ul>' if outages else '<p>None.</p>'}</section>"
    )
    env = "".join(
        f"<li><code>{escape(k)}</code>: {escape(v)}</li>"
        for k, v in sorted(result.env_needed.items())
    )
    notes = "".join(f"<li>{escape(n)}</li>" for n in result.notes + result.errors)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Conformance of {escape(result.base_url)}</title><style>{STYLE}</style></head>
<body><h1>Conformance of {escape(result.base_url)} to the Customer API contract</h1>
<p class="verdict {kind}" id="verdict">{escape(verdict.reason)}</p>
<p>Seed {result.seed} (replay with <code>--seed {result.seed}</code>); {result.cases} cases in
{result.elapsed:.1f} s; phases {escape(", ".join(result.phases))}; test data
{escape(result.testdata_source or "spec examples")}.</p>
<h2>Operations</h2>
<table id="operations"><tr><th>operation</th><th>cases</th><th>statuses seen</th>
<th>documented</th><th>failures</th><th>outages</th></tr>{"".join(rows)}</table>
{"".join(sections)}
{f"<h2>Environment for the reproductions</h2><ul>{env}</ul>" if env else ""}
{f"<h2>Notes</h2><ul>{notes}</ul>" if notes else ""}
</body></html>
"""


def write_html(result: RunResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(result), encoding="utf-8")
