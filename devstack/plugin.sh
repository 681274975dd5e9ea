#!/bin/bash
# devstack plugin for nova-ha-ext: what tools/minicloud does for the
# extension, in devstack's conventions (see doc/deployment.md).

function install_nova_ha {
    setup_develop $NOVA_HA_DIR
}

function configure_nova_ha {
    iniset $NOVA_CONF wsgi api_paste_config $NOVA_HA_PASTE
    iniset $NOVA_CONF filter_scheduler available_filters nova.scheduler.filters.all_filters
    iniadd $NOVA_CONF filter_scheduler available_filters nova_ha_ext.scheduler.filters.all_filters
    iniset $NOVA_CONF filter_scheduler enabled_filters \
        ComputeFilter,ComputeCapabilitiesFilter,ImagePropertiesFilter,ServerGroupAntiAffinityFilter,ServerGroupAffinityFilter,FailureDomainAntiAffinityFilter,FailureDomainAffinityFilter,EvacuationReservedHostFilter
    iniset $NOVA_CONF notifications notification_format versioned
    iniset $NOVA_CONF nova_ha connection $(database_connection_url nova_ha)
    iniset $NOVA_CONF nova_ha require_fencing_confirmation True
    iniset $NOVA_CONF nova_ha conductor_workers 1
    iniset $NOVA_CONF nova_ha lease_seconds $NOVA_HA_LEASE_SECONDS
    # The conductors' own Keystone user, for evacuations they resume (the
    # minicloud's "nova-ha" service user).
    create_service_user "nova-ha" "admin"
    iniset $NOVA_CONF nova_ha_auth auth_type password
    iniset $NOVA_CONF nova_ha_auth auth_url $KEYSTONE_SERVICE_URI
    iniset $NOVA_CONF nova_ha_auth username nova-ha
    iniset $NOVA_CONF nova_ha_auth password $SERVICE_PASSWORD
    iniset $NOVA_CONF nova_ha_auth user_domain_name $SERVICE_DOMAIN_NAME
    iniset $NOVA_CONF nova_ha_auth project_name $SERVICE_PROJECT_NAME
    iniset $NOVA_CONF nova_ha_auth project_domain_name $SERVICE_DOMAIN_NAME
}

function init_nova_ha {
    recreate_database nova_ha
    $NOVA_BIN_DIR/nova-ha-manage --config-file $NOVA_CONF db sync
}

function start_nova_ha {
    local i
    for i in $(seq 1 $NOVA_HA_CONDUCTORS); do
        run_process nova-ha-conductor-$i \
            "$NOVA_BIN_DIR/nova-ha-conductor --config-file $NOVA_CONF"
    done
}

function stop_nova_ha {
    local i
    for i in $(seq 1 $NOVA_HA_CONDUCTORS); do
        stop_process nova-ha-conductor-$i
    done
}

if is_service_enabled nova-ha-conductor; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing nova-ha-ext"
        install_nova_ha
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring nova-ha-ext"
        configure_nova_ha
        init_nova_ha
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Starting nova-ha-conductor"
        start_nova_ha
    fi
    if [[ "$1" == "unstack" ]]; then
        stop_nova_ha
    fi
fi
