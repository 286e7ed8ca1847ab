# GSS-FF-lean, class-balanced (the converged CamVid suite's lean model;
# README, "CamVid"): gss-ff-lean_effnet-lite0_256x256_2k_camvid.py (same
# factorised token classifier, tokenizer, data, epochs and bf16) with the
# class-weighted losses of gss-ff-balanced_effnet-lite0_256x256_2k_camvid.py.
# With plain losses GSS-FF-lean finds no pole (0.0): its rank-64
# classifier gives the directions to the frequent layouts, and the weights
# raise the rare classes' share of the loss.
_base_ = './gss-ff-balanced_effnet-lite0_256x256_2k_camvid.py'
model = dict(decode_head=dict(token_classifier_rank=64))
