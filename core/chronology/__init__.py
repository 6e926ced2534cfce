"""The multi-agency chronology of a case: dated entries by agency, their spreadsheet import, exports."""
