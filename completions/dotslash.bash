# bash completion for dotslash
_dotslash() {
    local cur prev words cword
    _init_completion 2>/dev/null || {
        cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
    }
    local commands="validate diff apply status run shell fetch gc version help"
    if [ "$cword" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
        return
    fi
    local command=${words[1]}
    case $prev in
        --config|--state-dir|--binfmt-dir)
            COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
    esac
    local options
    case $command in
        validate) options="--config --state-dir" ;;
        diff|status) options="--config --state-dir --binfmt-dir --json" ;;
        apply) options="--config --state-dir --binfmt-dir --dry-run --no-persist --update" ;;
        run)
            # After FILE everything belongs to the script.
            local i
            for ((i = 2; i < cword; i++)); do
                case ${words[i]} in --config|--state-dir) ((i++)) ;; -*) ;; *) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
            done
            options="--config --state-dir" ;;
        shell) options="--config --state-dir --" ;;
        fetch) options="--config --state-dir" ;;
        gc) options="--config --state-dir --binfmt-dir --dry-run" ;;
        help) COMPREPLY=($(compgen -W "$commands" -- "$cur")); return ;;
        *) options="" ;;
    esac
    if [[ $cur == -* ]] || [ "$command" != run ]; then
        COMPREPLY=($(compgen -W "$options --help" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null
    fi
}
complete -F _dotslash dotslash
