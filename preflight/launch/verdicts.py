"""Step 6's judgement on the launch plan: every stage of what launch.py would run must be able to
start; the other choices it offers are only warned about."""

from preflight.checklist.finding import fail, warn
from preflight.launch.lint import lint_candidate


def stages_can_start(settings, vocab_size, launch_plan, facts: dict) -> list:
    """Findings for the chosen candidate (its errors fail, its warnings warn) and a warning per
    other candidate that would stop. `facts` receives every candidate's problems."""
    chosen, *others = launch_plan
    found = lint_candidate(chosen, settings, vocab_size)
    facts[chosen.description] = [f.__dict__ for f in found]
    out = [f for f in found if f.status == "warn"]
    for other in others:
        errors = [f for f in lint_candidate(other, settings, vocab_size) if f.status == "fail"]
        facts[other.description] = [f.__dict__ for f in errors]
        if errors:
            more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
            out.append(warn(f"launch.py also offers {other.description}, which would stop: "
                            f"{errors[0].message}{more}"))
    errors = [f.message for f in found if f.status == "fail"]
    if errors:
        out.append(fail(f"{chosen.description} would stop: " + "; ".join(errors)))
    return out
