"""The one error type for mistakes a user can fix.

The Dagger shell turns a :class:`PipelineError` into a one-line message without a
traceback; anything else is a bug and keeps its traceback.
"""


class PipelineError(ValueError):
    """An expected mistake in input or configuration, worded as what to do about it.

    It subclasses ``ValueError`` because every such mistake is a bad value, and callers
    of the documented core functions are promised ``ValueError``.
    """
