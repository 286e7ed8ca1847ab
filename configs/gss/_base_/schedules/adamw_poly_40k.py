# FT-W (stage I') schedule: 40k iterations training only the learnable X⁻¹.
_base_ = './adamw_poly_80k.py'
runner = dict(max_iters=40000)
checkpoint_config = dict(interval=4000)
evaluation = dict(interval=4000)
