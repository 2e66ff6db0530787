# bash completion for kioskctl(1): verbs, device roles and each verb's options. Installed as
# /usr/share/bash-completion/completions/kioskctl (loaded on demand by bash-completion).

_kioskctl() {
    local cur prev words cword
    _init_completion || return

    local roles="idReader receiptPrinter ticketDispenser licencePrinter"
    local verbs="status devices selftest monitor history outbox inhibit release log-level staff debug-bundle
        capture version help validate direct simulate"
    local endpoint="--tcp --port --baud --usblp --usb --width --profile --timeout"
    local profiles="generic-80 generic-58 usb-unidirectional-80 custom-kiosk-80 kpm-ticket-80"

    # Values of the options that take one.
    case $prev in
        --socket) _filedir; return ;;
        --out)
            if [[ " ${words[*]} " == *" debug-bundle "* ]]; then _filedir 'tar.gz'; else _filedir; fi
            return ;;
        --data) _filedir json; return ;;
        --replay) _filedir; return ;;
        --port) COMPREPLY=($(compgen -f -- "${cur:-/dev/}")); return ;;
        --usblp) COMPREPLY=($(compgen -f -- "${cur:-/dev/usb/lp}")); return ;;
        --server | --token-file | --dir) _filedir; return ;;
        --profile) COMPREPLY=($(compgen -W "$profiles" -- "$cur")); return ;;
        --copy) COMPREPLY=($(compgen -W "original duplicate" -- "$cur")); return ;;
        --width) COMPREPLY=($(compgen -W "58 80" -- "$cur")); return ;;
        --baud) COMPREPLY=($(compgen -W "9600 19200 38400 57600 115200" -- "$cur")); return ;;
        --timing) COMPREPLY=($(compgen -W "realistic instant" -- "$cur")); return ;;
        --card)
            COMPREPLY=($(compgen -W "resident hkMacaoTaiwanPermit foreignerPermanent2017 foreignerPermanent2023 none" \
                -- "$cur"))
            return ;;
        --queue) COMPREPLY=($(compgen -W "$(lpstat -e 2>/dev/null)" -- "$cur")); return ;;
        --reason | --staff | --since | --limit | --tcp | --usb | --timeout | --category | --number | --listen | \
            --control | --seconds | --font | --tray | --fault | --take-after | --take-timeout | --waiting | --window | \
            --place-after | --fail-reads | --fail-selects | --silent-commands | --corrupt-replies | --split-replies | \
            --sam-status | --push | --registration)
            return ;;
    esac

    # The verb (and its subcommand): the first words that are not global options or their values.
    local i verb="" sub=""
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --socket) ((i++)) ;;
            -*) ;;
            *)
                if [[ -z $verb ]]; then
                    verb=${words[i]}
                elif [[ -z $sub ]]; then
                    sub=${words[i]}
                fi ;;
        esac
    done

    if [[ -z $verb ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--socket --json --help --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
        fi
        return
    fi

    local options="--help --json"
    case $verb in
        devices) [[ -z $sub ]] && COMPREPLY=($(compgen -W "$roles camera" -- "$cur")) ;;
        selftest)
            [[ -z $sub ]] && COMPREPLY=($(compgen -W "$roles central host all" -- "$cur"))
            options+=" --print" ;;
        history) options+=" --since --limit" ;;
        inhibit) options+=" --reason --until-released" ;;
        log-level) [[ -z $sub ]] && COMPREPLY=($(compgen -W "error warning notice info debug" -- "$cur")) ;;
        staff)
            [[ -z $sub ]] && COMPREPLY=($(compgen -W "reprint confirm-printed hand-off extend cancel" -- "$cur"))
            options+=" --staff" ;;
        debug-bundle) options+=" --out" ;;
        capture)
            [[ -z $sub ]] && COMPREPLY=($(compgen -W "idReader receiptPrinter ticketDispenser" -- "$cur"))
            options+=" --out --seconds --include-personal-data" ;;
        help) [[ -z $sub ]] && COMPREPLY=($(compgen -W "$verbs" -- "$cur")) ;;
        validate) [[ -z $sub ]] && COMPREPLY=($(compgen -W "id uscc" -- "$cur")) ;;
        direct)
            case $sub in
                "") COMPREPLY=($(compgen -W "read-card sam-id test-receipt printer-status dispense-ticket
                    print-licence render-licence" -- "$cur")) ;;
                read-card) options+=" --port --baud --timeout --show-personal-info" ;;
                sam-id) options+=" --port --baud" ;;
                test-receipt | printer-status) options+=" $endpoint" ;;
                dispense-ticket) options+=" $endpoint --category --number --take-timeout --waiting --window --leave" ;;
                print-licence) options+=" --queue --data --copy --server --tray --font --timeout" ;;
                render-licence) options+=" --data --out --copy --font" ;;
            esac ;;
        simulate)
            case $sub in
                "") COMPREPLY=($(compgen -W "id-reader receipt-printer dispenser central camera" -- "$cur")) ;;
                camera) [[ $cur != -* ]] && COMPREPLY=($(compgen -W "ok absent stalled garbage busy" -- "$cur")) ;;
                id-reader)
                    options+=" --card --place-after --timing --fail-reads --fail-selects --silent-commands
                        --corrupt-replies --split-replies --garbage --unplug-during-read --sam-status
                        --finds-card-after-read --replay" ;;
                receipt-printer | dispenser) options+=" --tcp --pty --out --fault --take-after --replay" ;;
                central) options+=" --listen --dir --token-file --control --push --registration --exit-with-parent" ;;
            esac ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
    fi
} &&
    complete -F _kioskctl kioskctl
