"""Reading a text file that carecast parses, with errors that name the file.

The core reads the files of a dataset folder itself (``sources::read_text_file``); the
Python entry points that read one file (a table, a scenario, a figures file, a population
file) read it here, so a file that is not UTF-8 (a Windows-1252 export from Excel) is a
carecast error naming the file and the byte offset, not a bare ``UnicodeDecodeError``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from carecast import _carecast

#: The largest file read: 64 MiB, the core's ``sources::MAX_FILE_BYTES`` (from its limits).
MAX_FILE_BYTES: int = _carecast.limits()["max_file_bytes"]


def read_text(path: str | os.PathLike[str], error: type[Exception]) -> str:
    """Return a file's text, decoded as UTF-8 (a leading byte-order mark is kept).

    Parameters
    ----------
    path : str or path
        The file.
    error : type
        The carecast exception class to raise (``DataError``, ``ScenarioError``, ...).

    Returns
    -------
    str
        The text.

    Raises
    ------
    Exception
        ``error``, naming the file: when it cannot be read (the operating system's
        reason), is not a regular file (a FIFO would block, ``/dev/zero`` never ends), is
        over :data:`MAX_FILE_BYTES`, or is not UTF-8 (the offset of the first byte that
        is not).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from carecast import DataError
    >>> d = tempfile.TemporaryDirectory()
    >>> p = pathlib.Path(d.name) / "t.csv"
    >>> _ = p.write_bytes("Café".encode("cp1252"))
    >>> try:
    ...     read_text(p, DataError)
    ... except DataError as e:
    ...     print(str(e).replace(str(p), "t.csv")[:41])
    cannot read t.csv: not UTF-8 text: byte 3
    >>> d.cleanup()
    """
    p = Path(path)
    try:
        st = p.stat()
        if not stat.S_ISREG(st.st_mode):
            raise error(
                f"cannot read {p}: not a regular file (a folder, FIFO, socket or device is "
                "not read)"
            )
        if st.st_size > MAX_FILE_BYTES:
            raise error(
                f"cannot read {p}: {st.st_size} bytes is over the limit of {MAX_FILE_BYTES} "
                "bytes (MAX_FILE_BYTES) for a file carecast reads"
            )
        with p.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise error(f"cannot read {p}: {e.strerror or e}") from None
    if len(data) > MAX_FILE_BYTES:
        raise error(
            f"cannot read {p}: over the limit of {MAX_FILE_BYTES} bytes (MAX_FILE_BYTES) for a "
            "file carecast reads"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise error(
            f"cannot read {p}: not UTF-8 text: byte {e.start} is not UTF-8 (save the file as "
            '"CSV UTF-8"; a Windows-1252 export is not read)'
        ) from None
