# GSS-FF, class-balanced (the converged CamVid suite's GSS-FF; README,
# "CamVid"): gss-ff_effnet-lite0_256x256_2k_camvid.py (same tokenizer, data,
# epochs, precision and evaluation) with the class weights of
# upernet-balanced_effnet-lite0_256x256_2k_camvid.py, the baseline's
# counterpart: the auxiliary pixel loss takes them as its class_weight, and
# the token loss weighs each cell by the mean weight of its pixels' classes.
_base_ = [
    './gss-ff_effnet-lite0_256x256_2k_camvid.py',
    '../_base_/datasets/camvid_class_weight.py'
]
model = dict(
    decode_head=dict(
        cell_class_weight={{_base_.class_weight}},
        loss_decode=dict(
            type='CrossEntropyLoss',
            loss_weight=0.2,
            avg_non_ignore=True,
            loss_name='loss_pixel',
            class_weight={{_base_.class_weight}})))
