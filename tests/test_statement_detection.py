"""Files that are not statements get one clear line naming the file and what is wrong; nothing else happens."""

from pathlib import Path

import pytest

from gateway.errors import InputError, UnsafeInputError
from gateway.statements import read


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\n\r\n  \n", "empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "PDF"),
        (b"date,amount,currency,description\n2026-01-02,12.50,EUR,coffee\n", "CSV"),
        (b"\x00\x01\x02\x03\xff\xfe\x00binary", "binary"),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP"),
        (b"Dear customer,\nplease find attached your statement.\n", "not a recognised bank statement"),
    ],
)
def test_a_file_that_is_no_statement_is_refused_with_its_name(tmp_path: Path, content: bytes, message: str) -> None:
    f = tmp_path / "statement.xml"  # the extension says XML; the content decides
    f.write_bytes(content)
    with pytest.raises(InputError) as err:
        read(f)
    assert message in str(err.value)
    assert str(f) in str(err.value)
    assert "\n" not in err.value.one_line()


def test_an_unknown_forced_format_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "x.sta"
    f.write_bytes(b":20:X\n")
    with pytest.raises(InputError, match="unknown format 'bai2'"):
        read(f, "bai2")


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot open"):
        read(tmp_path / "nope.xml")


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    f = tmp_path / "big.sta"
    f.write_bytes(b"x" * 5000)
    with pytest.raises(UnsafeInputError, match="larger than the configured limit of 1000 bytes"):
        read(f, max_bytes=1000)
