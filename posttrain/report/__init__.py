"""The run report: figures, the probability shift and the HTML page (`posttrain report`)."""
