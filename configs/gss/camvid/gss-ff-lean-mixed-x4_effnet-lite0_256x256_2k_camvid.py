# GSS-FF-lean, mixed cells ×4 (this project's variant; README, "CamVid"):
# gss-ff-lean_effnet-lite0_256x256_2k_camvid.py (same factorised token
# classifier, tokenizer, data, epochs and bf16) with the token-loss
# weighting of gss-ff-mixed-x4_effnet-lite0_256x256_2k_camvid.py: the cells
# that hold two or more classes count 4×. GSS-FF-lean finds no pole (0.0),
# a class drawn only by mixed tokens.
_base_ = './gss-ff-lean_effnet-lite0_256x256_2k_camvid.py'
model = dict(decode_head=dict(mixed_cell_weight=4.0))
