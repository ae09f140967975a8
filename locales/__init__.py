"""Fluent translations (vi default, en); a package so the files install with the code."""
