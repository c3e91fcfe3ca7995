"""Japanese text: normalising extracted text, reading phrases into values (the derivation
rules), folding text for comparison, and locating quotes in source sections."""
