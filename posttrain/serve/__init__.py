"""`posttrain serve`: an OpenAI-compatible server and a web page to chat, compare blind and label.

- `protocol` — OpenAI request validation (errors as OpenAI error bodies) and response shapes;
- `labels` — the label files (append + fsync before "saved"), win rates and rater agreement;
- `app` — the FastAPI app: `/v1/*` on the continuous batcher (`posttrain.infer.batcher`), the page's
  `/ui/api/*`, and the page itself (`static/`, plain HTML/JS/CSS, no build step, no CDN);
- `run` — loading the models and starting uvicorn (binds 127.0.0.1 unless told otherwise).
"""
