# GSS-FT-W on the CamVid GSS-FF of gss_ff_effnet-lite0.py: the learnable X⁻¹
# (one shifted-window block at full resolution, the head's default) trains
# on the maskiges decoded from the tokens of the frozen GSS-FF model, whose
# checkpoint (tokenizer included) configs give as load_from.
_base_ = './gss_ff_effnet-lite0.py'
model = dict(
    backbone=dict(frozen_stages=7, norm_eval=True),
    decode_head=dict(
        type='GSSFTWHead',
        # The project's CPU models: frozen part in eval mode, 4× FFN.
        frozen_mode='eval',
        post_swin_mlp_ratio=4,
        post_seg_channel=64,
        # the tokenizer's weights come with the GSS-FF checkpoint (load_from)
        tokenizer=dict(checkpoint=None),
        loss_decode=dict(
            type='CrossEntropyLoss', loss_weight=1.0, avg_non_ignore=True,
            loss_name='loss_ce')))
