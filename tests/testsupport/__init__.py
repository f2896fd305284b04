"""Helpers the tests share: scenarios, stand-in replicate functions, run folders, validation cases.

An importable package (``pythonpath = ["tests"]`` in pyproject.toml's pytest settings) rather than
test files, so any test directory imports it by name, and worker processes started by the
experiment layer unpickle its replicate functions by the same name.
"""
