"""Thin command-line layer: parse arguments, call one library function, print."""
