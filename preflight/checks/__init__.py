"""The checklist: one file per step, run in file and definition order (`pytest checks -x`,
`preflight check`, or `pytest --pyargs preflight.checks -x`)."""
