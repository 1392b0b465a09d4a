"""Reading an uploaded CSV file: its encoding, its delimiter, its header and rows (pure functions, no I/O)."""

import csv
import io

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000


class FileUnreadable(Exception):
    """The upload is not a CSV file Capsync can read; the message says why, for the person who uploaded it."""


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without Excel's byte-order mark), else Windows-1252, as Excel saves it.
    Raises FileUnreadable for an empty or oversized file, or one that is not text."""
    if not data.strip():
        raise FileUnreadable("The file is empty.")
    if len(data) > MAX_BYTES:
        raise FileUnreadable(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it in parts.")
    if b"\x00" in data[:4096]:
        raise FileUnreadable("This is not a CSV file (it holds binary data). Save it from your spreadsheet as CSV.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def read_table(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the data rows, each with its row number as a spreadsheet shows it (the header is row 1)
    and as long as the header (short rows padded with blanks, cells
    beyond the header dropped); rows that are wholly blank are left out. Raises FileUnreadable when there is
    no header or no data row, or too many rows."""
    try:
        reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
        header = [cell.strip() for cell in next(reader, [])]
        rows = list(reader)
    except csv.Error as exc:
        raise FileUnreadable(f"The file is not valid CSV: {exc}.") from exc
    if not any(header):
        raise FileUnreadable("The file has no header row: its first line must name the columns.")
    width = len(header)
    table = [
        (number, (row + [""] * width)[:width])
        for number, row in enumerate(rows, start=2)
        if any(cell.strip() for cell in row)
    ]
    if not table:
        raise FileUnreadable("The file has a header but no rows to import.")
    if len(table) > MAX_ROWS:
        raise FileUnreadable(f"The file has more than {MAX_ROWS:,} rows; split it in parts.")
    return header, table
