"""An answer's notes for researchers, for a page's "For researchers" section (`researcher_notes`): the exact
figures (the estimate with its 95% CI and p-value, and the between-ward figure beside the within-ward one), the
model and its size, every warning and caveat not already said, the other measures' line and the rule for how sure.
With not enough data the notes give no estimate and point to the question's own page."""

from __future__ import annotations

import numpy as np

from analysis.overview.answer_card import Answer
from analysis.overview.confidence import is_ratio
from analysis.questions.verdicts import between_of
from analysis.text import plural


def _exact(name: str, est: float, lo: float, hi: float, ratio: bool, p: float | None = None) -> str:
    fmt = "{:.2f}" if ratio else "{:+.2f}"
    p_text = "" if p is None or not np.isfinite(p) else ("; p < 0.001" if p < 0.001 else f"; p = {p:.3f}")
    return f"{name}: {fmt.format(est)} (95% CI {fmt.format(lo)} to {fmt.format(hi)}{p_text})"


def researcher_notes(a: Answer) -> list[str]:
    """The exact figures, the method and every caveat behind an answer, for a page's "For researchers" section.

    With not enough data, no estimate: the notes say why and point to the question's own page."""
    r, h = a.result, a.result.headline
    notes = [a.sentence]
    if a.needs:
        return notes
    if a.level == "Not enough data":
        if h is not None:
            notes.append(
                "No estimate is shown: with this little data the model's figures would mislead. The question's "
                "own page shows the model's output with its warnings."
            )
        return notes
    if h is not None and r.ok:
        ratio = is_ratio(r)
        if r.question == "q1":
            notes.append(
                f"{h.name[:1].upper() + h.name[1:]}: {h.estimate:.1f} (95% CI {h.ci_low:.1f} to {h.ci_high:.1f})."
            )
        else:
            notes.append(
                _exact(h.name[:1].upper() + h.name[1:], h.estimate, h.ci_low, h.ci_high, ratio, h.p_value) + "."
            )
            b = between_of(r)
            if b is not None:
                label = (
                    "Between-ward rate ratio per 10-point rise" if ratio else "Between-ward change per 10-point rise"
                )
                notes.append(_exact(label, *b, ratio) + ".")
        notes.append(
            f"Model: {r.method} {plural(r.n_wards, 'ward')}, {plural(r.n_obs, 'observation')}."
            if r.method.endswith(".")
            else f"Model: {r.method}; {plural(r.n_wards, 'ward')}, {plural(r.n_obs, 'observation')}."
        )
    said = " ".join(notes)
    notes += [c for c in dict.fromkeys([*r.warnings, *r.caveats]) if c not in said]
    if a.others:
        notes.append(a.others)
    notes.append(f"How sure: {a.confidence} (the rule is in the methods document).")
    return notes
