"""Pasted text and uploaded CSV bytes → the tweets to classify (no model needed)."""

from __future__ import annotations

import gzip
import zlib

import pytest

from chatbot.errors import InvalidInput
from chatbot.sentiment.inputs import MAX_CHARS, MAX_TWEETS, clip, from_csv, from_paste, gather


def test_paste_one_tweet_per_line_skipping_blank_lines() -> None:
    batch = from_paste("  Me encanta 😍 \n\n\t\nWorst day ever\r\n")
    assert batch.tweets == ("Me encanta 😍", "Worst day ever")
    assert batch.notices == ()


@pytest.mark.parametrize("text", ["", "   \n\t\n  ", None])
def test_empty_paste_is_a_clear_error(text: str | None) -> None:
    with pytest.raises(InvalidInput, match="no tweet"):
        from_paste(text)


def test_a_200_kb_paste_is_capped_with_a_notice() -> None:
    paste = "\n".join(f"tweet número {i} sobre el partido de ayer" for i in range(5000))
    assert len(paste.encode()) > 200_000
    batch = from_paste(paste)
    assert len(batch.tweets) == MAX_TWEETS
    assert batch.tweets[0] == "tweet número 0 sobre el partido de ayer"
    assert any(f"first {MAX_TWEETS} of 5000" in n.said("en") for n in batch.notices)


def test_a_200_kb_single_line_is_cut_not_refused() -> None:
    batch = from_paste("ja" * 100_000)
    assert len(batch.tweets) == 1
    assert len(batch.tweets[0]) == MAX_CHARS + 1  # the cut mark
    assert batch.tweets[0].endswith("…")
    assert any("were cut" in n.said("en") for n in batch.notices)


def test_clip_normalises_whitespace() -> None:
    assert clip("  hola\n\tmundo  ") == ("hola mundo", False)


def test_csv_with_bom_and_commas_inside_quotes() -> None:
    data = '\ufeffid,text,label\n1,"Great, really great 👍",pos\n2,"Dijo ""no"" otra vez",neg\n'
    batch = from_csv(data.encode("utf-8"))
    assert batch.tweets == ("Great, really great 👍", 'Dijo "no" otra vez')


def test_semicolon_separated_csv_with_spanish_header() -> None:
    data = "fecha;Texto;usuario\n2024-01-02;¡Qué alegría, por fin viernes!;@ana\n"
    assert from_csv(data.encode()).tweets == ("¡Qué alegría, por fin viernes!",)


def test_one_column_csv_keeps_commas_in_the_tweet() -> None:
    data = b"tweet\nhola, que tal, todo bien\nnada, gracias\n"
    assert from_csv(data).tweets == ("hola, que tal, todo bien", "nada, gracias")


def test_tab_separated_and_windows_newlines() -> None:
    data = b"user\ttweet\r\n@a\tloving it\r\n@b\thating it\r\n"
    assert from_csv(data).tweets == ("loving it", "hating it")


def test_excel_cp1252_export_is_read() -> None:
    data = "text\nCanción genial, año increíble\n".encode("cp1252")
    assert from_csv(data).tweets == ("Canción genial, año increíble",)


def test_wrong_columns_are_named_in_the_error() -> None:
    with pytest.raises(InvalidInput) as err:
        from_csv(b"id,message,stars\n1,good,5\n", "reviews.csv")
    message = str(err.value)
    assert "'id', 'message', 'stars'" in message
    assert "reviews.csv" in message


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
    gzip.compress(b"text\nhola\n"),
    b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + zlib.compress(b"x" * 300),
    bytes(range(1, 32)) * 40,
])
def test_binary_files_are_refused(data: bytes) -> None:
    with pytest.raises(InvalidInput, match="binary"):
        from_csv(data, "tweets.xlsx")


def test_unclosed_quote_is_a_clear_error_not_a_merged_tweet() -> None:
    with pytest.raises(InvalidInput, match="not a valid CSV"):
        from_csv(b'text\n"this quote never ends\nsecond tweet\n')


@pytest.mark.parametrize("data", [b"", b"  \n\n", b"text\n\n  \n"])
def test_empty_files_and_empty_columns(data: bytes) -> None:
    with pytest.raises(InvalidInput, match=r"empty|no tweet"):
        from_csv(data)


def test_short_rows_do_not_crash() -> None:
    data = b"id,text\n1,primero\n2\n3,tercero\n"
    assert from_csv(data).tweets == ("primero", "tercero")


def test_csv_is_capped_like_a_paste() -> None:
    data = ("text\n" + "\n".join(f"t{i}" for i in range(MAX_TWEETS + 7))).encode()
    batch = from_csv(data)
    assert len(batch.tweets) == MAX_TWEETS
    assert batch.notices


def test_gather_joins_paste_and_csv_under_one_cap() -> None:
    batch = gather("uno\ndos", b"text\ntres\n", limit=3)
    assert batch.tweets == ("uno", "dos", "tres")
    capped = gather("uno\ndos", b"text\ntres\ncuatro\n", limit=3)
    assert capped.tweets == ("uno", "dos", "tres")
    assert any("per batch" in n.said("en") for n in capped.notices)


def test_gather_with_nothing_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="Paste tweets"):
        gather("  \n ", None)


def test_gather_reports_a_bad_csv_even_with_a_good_paste() -> None:
    with pytest.raises(InvalidInput, match="binary"):
        gather("hola", b"\x00\x01\x02", "foto.png")
