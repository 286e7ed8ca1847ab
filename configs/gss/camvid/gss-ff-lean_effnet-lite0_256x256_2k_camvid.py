# The converged CamVid suite, setting (b) (README, "CamVid"): GSS-FF-lean,
# i.e. gss-ff_effnet-lite0_256x256_2k_camvid.py (same tokenizer, data,
# epochs, precision and evaluation) with a factorised token classifier
# 128 → 64 → 4,096 codes. Rank 64 rather than the 32 of
# gss-ff-lean_effnet-lite0_camvid.py: 4× the codes, and rank 32 scored
# 34.29 against GSS-FF's 41.76 at 700 iterations (README, "GSS-FF-lean").
_base_ = './gss-ff_effnet-lite0_256x256_2k_camvid.py'
model = dict(decode_head=dict(token_classifier_rank=64))
