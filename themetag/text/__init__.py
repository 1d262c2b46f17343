"""The text layer: normalise, segment, read a report's structure, featurise."""
