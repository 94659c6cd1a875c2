"""disposisi: suggest which OPD must handle a citizen's complaint, how urgent it is, and how sure we are."""

__version__ = "0.1.0"
