"""Chinese report text: sentences, numerals, quantities and measure tags."""
