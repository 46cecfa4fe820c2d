"""The masked-PII tags of the dialogue data (``#PhoneNumber#``, ...), defined once.

The lowest-level module of the workbench: no imports, so `workbench.data`, the sample generator
and the tests all take the tags from here.
"""

PII_TAGS: tuple[str, ...] = (
    "#PhoneNumber#",
    "#Address#",
    "#DateOfBirth#",
    "#PassportNumber#",
    "#SSN#",
    "#CardNumber#",
    "#CarNumber#",
    "#Email#",
)
