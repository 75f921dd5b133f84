"""The run report (`posttrain report`): build.py measures every stage and draws (figures.py), results.py
holds the typed measurements and their statistics (from eval.stats), page.py renders report.html / report.md
from the jinja2 templates in templates/ and writes report.json; next_tokens.py is the probability shift."""
