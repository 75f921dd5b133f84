"""Reward-model stage: a scalar head on the last real token of each answer, Bradley–Terry on pairs.

The model is `AutoModelForSequenceClassification` with one label over the base LM (its `score`
head starts random), so the output folder is a plain Hugging Face sequence-classification folder
(posttrain/infer/reward_model.py loads and scores it). Pairs go through the shared-prompt batches of
the preference stages.
"""

from __future__ import annotations

import sys

import torch

from posttrain.nn.attention import usable
from posttrain.data.chat import resolve_template
from posttrain.data.pairs import collate_pairs, make_pair_rows, render_pairs
from posttrain.data.preference import load_pairs
from posttrain.losses.reward import bradley_terry
from posttrain.nn.lora import merge_lora
from posttrain.model.hf import lm_parts, load_tokenizer
from posttrain.infer.reward_model import load_reward_model, pair_rewards
from posttrain.core.runtime import Runtime
from posttrain.train.configs import RMConfig
from posttrain.train.loop import fit
from posttrain.train.method import RowSource
from posttrain.train.output import write_run_files
from posttrain.train.pair_method import PairMethod, pair_evaluator
from posttrain.train.prepare import prepare_model
from posttrain.train.reference import has_lora


def rm_loss(r: torch.Tensor, margin: float):
    rc, rr = r[0::2], r[1::2]
    losses = bradley_terry(rc, rr, margin)
    d = (rc - rr).detach()
    return losses, {"accuracy": (d > 0).float().sum(), "margin": d.sum(), "reward_chosen": rc.detach().sum(),
                    "reward_rejected": rr.detach().sum()}


class RewardModel(PairMethod):
    """Bradley–Terry on (chosen, rejected) rewards read from a new one-output head."""

    def __init__(self, cfg: RMConfig, rt: Runtime):
        self.cfg, mc, data = cfg, cfg.model, cfg.data
        self.tokenizer = load_tokenizer(mc.path)
        self.template = resolve_template(self.tokenizer, mc.template)
        train_set = render_pairs(self.tokenizer, load_pairs(data.train, data.skip_invalid, forbid=self.tokenizer), self.template, mc.max_len,
                                 not rt.main)
        torch.manual_seed(cfg.run.seed)  # the new head's random init: same seed, same run
        self.model = prepare_model(mc, cfg.run.seed, verbose=rt.main, model=load_reward_model(mc.path, self.tokenizer),
                                   modules_to_save=["score"])
        self.model.score.requires_grad_(True)
        shared = data.prefix_sharing and usable(lm_parts(self.model)[0].config, mc.max_len)
        rows = make_pair_rows(train_set, 2 * mc.max_len, shared, data.packing)
        if rt.main:
            print(f"[posttrain] {len(train_set)} pairs in {len(rows)} rows; prefix sharing {'on' if shared else 'off'}",
                  file=sys.stderr)
        pad = self.tokenizer.pad_token_id
        self.source = RowSource(rows, lambda items: collate_pairs(items, pad, shared), cfg.run, rt.world)
        if data.eval:
            eval_set = render_pairs(self.tokenizer, load_pairs(data.eval, data.skip_invalid, forbid=self.tokenizer), self.template, mc.max_len, True)
            eval_rows = make_pair_rows(eval_set, 2 * mc.max_len, shared, data.packing)
            self.evaluate_fn = pair_evaluator(eval_rows, pad, shared, cfg.run.batch_size, rt, self.batch_loss)

    def batch_loss(self, model, batch):
        return rm_loss(pair_rewards(model, batch), self.cfg.rm.margin)

    def save(self, model) -> None:
        if has_lora(model):  # a reward model ships whole: the adapter merged, the head as trained
            merge_lora(model)
        write_run_files(model, self.tokenizer, self.cfg, self.template, "rm")


def run_rm(cfg: RMConfig, stop_after: int | None = None) -> dict:
    return fit(cfg, RewardModel, stop_after)
