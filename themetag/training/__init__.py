"""Training, apart from tagging: the only part of themetag that imports scikit-learn."""
