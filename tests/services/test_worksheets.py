"""What an export writes into a cell: nothing a spreadsheet program would run, nothing a workbook cannot hold."""

import pytest

from cspr.services.worksheets import cell_text, formula_safe, writable


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example/","Open")', "+cmd|' /C calc'!A0",
                                  "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"])
def test_a_formula_is_quoted_so_it_is_shown_not_run(text):
    assert formula_safe(text) == "'" + text


def test_a_control_character_cannot_hide_a_formula_from_the_check():
    # Stripped first, then checked: "\x01=..." would otherwise reach the sheet as a live formula.
    assert cell_text('\x01=HYPERLINK("http://evil.example/")') == '\'=HYPERLINK("http://evil.example/")'


def test_plain_text_numbers_and_dates_pass_unchanged():
    assert cell_text("Police – domestic abuse referral") == "Police – domestic abuse referral"
    assert cell_text(12) == 12 and writable(None) is None
    assert writable("line one\nline two\x07") == "line one\nline two"
