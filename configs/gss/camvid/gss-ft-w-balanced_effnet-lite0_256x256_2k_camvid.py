# GSS-FT-W, class-balanced (the converged CamVid suite's GSS-FT-W; README,
# "CamVid"): the learnable X⁻¹ of gss-ft-w_effnet-lite0_256x256_2k_camvid.py
# (same architecture, data, schedule, bf16) trained on the frozen
# gss-ff-balanced_effnet-lite0_256x256_2k_camvid.py model, with that model's
# class weights in its own pixel loss: a balanced GSS-FF read by an X⁻¹ that
# is again fitted to the frequent classes would undo the balance.
_base_ = [
    './gss-ft-w_effnet-lite0_256x256_2k_camvid.py',
    '../_base_/datasets/camvid_class_weight.py'
]
model = dict(
    decode_head=dict(
        loss_decode=dict(
            type='CrossEntropyLoss',
            loss_weight=1.0,
            avg_non_ignore=True,
            loss_name='loss_ce',
            class_weight={{_base_.class_weight}})))
load_from = 'work_dirs/gss-ff-balanced_effnet-lite0_256x256_2k_camvid/latest.pth'
