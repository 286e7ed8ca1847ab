# GSS-FF, class-balanced (this project's variant; README, "CamVid"):
# gss-ff_effnet-lite0_256x256_2k_camvid.py (same tokenizer, data, epochs,
# precision and evaluation) with the class weights of
# upernet-balanced_effnet-lite0_256x256_2k_camvid.py, the baseline's
# counterpart: the auxiliary pixel loss takes them as its class_weight, and
# the token loss weighs each cell by the mean weight of its pixels' classes.
_base_ = './gss-ff_effnet-lite0_256x256_2k_camvid.py'
class_weight = [
    0.528, 0.449, 2.188, 0.386, 1.0, 0.649, 1.961, 1.405, 0.888, 2.525, 2.976
]
model = dict(
    decode_head=dict(
        cell_class_weight=class_weight,
        loss_decode=dict(
            type='CrossEntropyLoss',
            loss_weight=0.2,
            avg_non_ignore=True,
            loss_name='loss_pixel',
            class_weight=class_weight)))
