"""Configuration errors of the secret scanner, each a one-line reason naming the file at fault."""


class SecretsConfigError(ValueError):
    """A scanner option, rule file or baseline file is unusable."""


class RuleError(SecretsConfigError):
    """A custom rule file is unreadable or holds a bad rule."""


class BaselineError(SecretsConfigError):
    """A baseline file is unreadable or holds something that is not a fingerprint."""
