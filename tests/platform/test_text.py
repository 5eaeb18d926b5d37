from aftersales.text import is_digits


def test_only_ascii_digits_count_as_digits():
    assert is_digits("0123456789")
    for value in ("", "²", "①", "٣", "12a", " 1", "-1", None, 12):
        assert not is_digits(value), value
