# GSS-FF-lean, EfficientNet-Lite0, 700 iterations: GSS-FF of
# gss-ff_effnet-lite0_256x256_700_camvid.py with the factorised token
# classifier 128 → 32 → 1,024 codes (36.9k instead of 131k multiply-adds
# per token cell; docs/lean.md).
_base_ = './gss-ff_effnet-lite0_256x256_700_camvid.py'
model = dict(decode_head=dict(token_classifier_rank=32))
