"""pipase: pseudonymise a département's child-welfare extracts for the PIPASE study."""

__version__ = "0.1.0"
PROTOCOL_VERSION = "1.0"
