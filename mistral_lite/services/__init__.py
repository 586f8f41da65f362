"""Operations on executions that are not engine decisions (description, env, deletion)."""
