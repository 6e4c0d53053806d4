"""Exceptions that the command line prints as one line (no traceback)."""


class UserError(Exception):
    """An error caused by the user's input (bad file, bad option, inconsistent data)."""


class InputFileError(UserError):
    """A malformed input file; the message names the file and, where known, the line."""

    def __init__(self, path, message, line=None):
        where = f"{path}" if line is None else f"{path}, line {line}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
