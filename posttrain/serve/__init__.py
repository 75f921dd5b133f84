"""`posttrain serve`: an OpenAI-compatible server and a web page to chat, compare blind and label.

- `protocol` — OpenAI's requests and responses as pydantic models, error bodies, sampling settings;
- `labels` — the label files (append + fsync before "saved"), the rows each verdict writes, win rates
  and rater agreement;
- `app` — `build_app`: the FastAPI app wired from the parts below;
- `state` — what the routes share (`app.state.server`: models, label store, limits, API key) and the
  dependencies that hand it to them;
- `guard` — API key, body size limit, bodies read as JSON; `errors` — every failure as OpenAI's error body;
- `generate` — one request's generation on the continuous batcher (`posttrain.infer.batcher`): wait or stream;
- `openai_routes` — `/v1/*`; `page_routes` + `page_models` — the page's `/ui/api/*`, and the page itself
  (`static/`, plain HTML/JS/CSS, no build step, no CDN);
- `run` — loading the models and starting uvicorn (binds 127.0.0.1 unless told otherwise).
"""
