"""Lists whose repr is a count, never their items.

pytest prints fixture values and local variables in full at `-vv` and with `-l` (in the terminal,
report.html and junit.xml); documents, and any secret in them, must never be among what it prints.
"""


class BriefList(list):
    """A list that shows itself as `<N items>`."""

    noun = "items"

    def __repr__(self):
        return f"<{len(self):,} {self.noun}>"


class Documents(BriefList):
    """Training documents (str)."""

    noun = "documents (text not shown)"


class FindingList(BriefList):
    """Secret findings (already masked, but many)."""

    noun = "secret findings"
