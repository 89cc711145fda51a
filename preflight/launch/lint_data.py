"""Does the launch script look for the shards where nanochat reads them?

A fork can disagree with itself: the IaC fork's `runs/speedrun_iac.sh` refuses to start unless
`~/.cache/nanochat/iac_data` holds shards and then links `base_data` to it, while its `dataset.py`
reads `<base dir>/base_data`, the folder the checklist validates. Unless both names lead to the same
folder, the run either stops at the script's check or trains on data nobody checked. A folder counts
when the script lists shards in it, or tests for it and links nanochat's data folder to it; folders
named like nanochat's own, and links alone, are left to the base-dir and data-link checks of
`lint.py`.
"""

from pathlib import Path

from preflight.checklist.finding import OK, Finding, fail
from preflight.launch.candidates import chosen_script, launch_environ
from preflight.launch.lint_calls import path_of
from preflight.launch.script_facts import read_script
from preflight.readers.argparse_reader import UNKNOWN
from preflight.readers.bash_reader import ShellReadError


def _links_to(facts, checkout, names) -> dict:
    """source folder -> (line, link) for `ln -s SOURCE .../<a data folder name>`."""
    links = {}
    for command, argv, *_ in facts.links:
        operands = [a for a in argv[1:] if not a.startswith("-")]
        if len(operands) == 2 and not any(UNKNOWN in o for o in operands):
            link = path_of(operands[1], checkout.root)
            if link.name in names:
                links.setdefault(path_of(operands[0], link.parent), (command.line, link))
    return links


def data_folder_problems(facts, name: str, checkout, data_dir) -> list:
    """A failure per folder the script expects shards in that is not the one nanochat reads."""
    names = checkout.data_dir_names
    links = _links_to(facts, checkout, names)
    expected = {}  # folder -> the first line that checks for it
    for line, text, how in facts.data_checks:
        folder = path_of(text, checkout.root)
        if how == "lists" or folder in links:
            expected.setdefault(folder, line)
    validated = Path(data_dir)
    reader = checkout.source_path("dataset").relative_to(checkout.root)
    problems = []
    for folder, line in sorted(expected.items(), key=lambda item: item[1]):
        if folder.name in names or folder.resolve() == validated.resolve():
            continue
        if not folder.is_dir():
            effect = f"{folder} does not exist, so the script stops there"
        elif folder in links:
            effect = (f"the script then links {links[folder][1]} to it, so the run trains on "
                      f"{folder}, which nobody checked")
        else:
            effect = f"the run reads {validated}, so the script's check proves nothing"
        problems.append(Finding("fail", f"{name}:{line}: the script expects the shards in "
                                f"{folder}, but {reader} reads {validated} (the folder checked "
                                f"here): {effect}; make them one folder (the shards in {folder}, "
                                f"then `ln -sfn {folder} {validated}`)", line, "data-folder"))
    return problems


def data_folder_verdict(settings) -> Finding:
    """Step 0: the script launch.py would run looks for the shards where nanochat reads them."""
    script = chosen_script(settings)
    if script is None or not script.is_file():
        return OK  # no script (a generated command), or Step 6 says it is missing
    try:
        facts = read_script(script, settings.checkout, launch_environ(settings))
    except (ShellReadError, OSError):
        return OK  # Step 6 reports a script it cannot read
    root = settings.checkout.root
    name = str(script.relative_to(root)) if script.is_relative_to(root) else script.name
    problems = data_folder_problems(facts, name, settings.checkout, settings.data_dir)
    return fail(problems[0].message) if problems else OK
