_bctrl_tail_completion() {
    local IFS=$'
'
    COMPREPLY=( $( env COMP_WORDS="${COMP_WORDS[*]}" \
                   COMP_CWORD=$COMP_CWORD \
                   _BCTRL_TAIL_COMPLETE=complete_bash $1 ) )
    return 0
}

complete -o default -F _bctrl_tail_completion bctrl-tail
