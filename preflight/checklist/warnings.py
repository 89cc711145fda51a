"""Our warning classes: findings worth a look that do not block a launch.

Promote every one of them to a failure with
`-W error::preflight.checklist.warnings.PreflightWarning -W error::pytest.PytestConfigWarning`
(the second flag turns a mistyped class path into a failure instead of a silent no-op).
"""


class PreflightWarning(UserWarning):
    """Base class of every warning the checklist raises."""


class CheckoutWarning(PreflightWarning):
    """No nanochat checkout where one was expected: version-dependent checks assume the newest."""


class DataWarning(PreflightWarning):
    """The dataset is usable but something in it deserves a look."""


class SecretsWarning(PreflightWarning):
    """Something about the secret scan deserves a look (a finding itself is a failure)."""


class TokenizerWarning(PreflightWarning):
    """The tokenizer loads but differs from what nanochat expects."""


class SizingWarning(PreflightWarning):
    """Model size, data size and training horizon are out of balance."""


class HardwareWarning(PreflightWarning):
    """GPUs, memory or disk are tight or shared."""


class LaunchWarning(PreflightWarning):
    """The launch script will run but risks losing work or time."""
