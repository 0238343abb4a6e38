"""Computes column statistics for a CSV file."""
import csv
import statistics
import sys


def main(path: str) -> None:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for column in rows[0].keys():
        values = [float(r[column]) for r in rows if r[column].replace(".", "", 1).isdigit()]
        if values:
            print(column, statistics.mean(values), statistics.median(values))


if __name__ == "__main__":
    main(sys.argv[1])
