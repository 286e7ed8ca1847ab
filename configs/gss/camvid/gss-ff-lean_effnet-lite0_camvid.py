# GSS-FF-lean on CamVid, setting (b): gss-ff_effnet-lite0_camvid.py (same
# backbone, stage-I tokenizer work_dirs/vqvae_camvid/latest.pth, data,
# schedule and budget) with the factorised token classifier of the lean
# variant: 128 → 32 → 1,024 codes instead of 128 → 1,024, i.e. 36.9k instead
# of 131k multiply-adds per token cell (see docs/lean.md).
_base_ = './gss-ff_effnet-lite0_camvid.py'
model = dict(decode_head=dict(token_classifier_rank=32))
