# GSS-FF-lean, class-balanced: the lean model of the converged CamVid suite,
# GSS-FF of gss-ff-balanced_effnet-lite0_256x256_2k_camvid.py with a
# factorised token classifier 128 → 64 → 4,096 codes (docs/lean.md).
_base_ = './gss-ff-balanced_effnet-lite0_256x256_2k_camvid.py'
model = dict(decode_head=dict(token_classifier_rank=64))
