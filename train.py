"""Train the themetag model from corpus/ and write it to model/ (see `python train.py --help`)."""

import sys

from themetag.training.train import main

if __name__ == "__main__":
    sys.exit(main())
