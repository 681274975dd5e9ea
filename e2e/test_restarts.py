"""RabbitMQ and MariaDB restarted while a task has evacuations in flight.

Needs the private servers (MINICLOUD_PRIVATE_DB, MINICLOUD_PRIVATE_MQ):
tools/run-e2e.sh runs this module on its second cloud.
"""


from e2e import base


class BackendRestartTest(base.TestCase):

    def setUp(self):
        super().setUp()
        state = self.cloud.state
        if not (state['private_db'] and state['private_mq']):
            self.skipTest('needs a cloud with private MariaDB and RabbitMQ '
                          '(tools/run-e2e.sh, second cloud)')

    def _restart_during_task(self, service, host):
        ids, evacuation = self.evacuation_in_flight(host, service, 2)
        self.rebuilds_held(ids)
        self.cloud.restart(service)
        self.log('%s restarted with evacuation %s in flight' % (
            service, evacuation))
        task = self.cloud.wait_final(evacuation)
        self.assertEqual('completed', task['status'],
                         self.cloud.explain(task))
        self.assertEqual(
            {'total': 2, 'remaining': 0, 'succeeded': 2, 'failed': 0,
             'skipped': 0, 'cancelled': 0}, task['counts'])
        self.cloud.wait_status(ids, 'ACTIVE')
        self.assert_evacuated_once(ids, host)
        self.log('evacuation %s completed: %s' % (evacuation, {
            i['instance_uuid']: (i['status'], i['attempts'], i['dest_host'])
            for i in task['instances']}))

    def test_c_rabbitmq_restarted_during_a_task(self):
        self._restart_during_task('rabbitmq', 'mc-compute1')

    def test_d_mariadb_restarted_during_a_task(self):
        self._restart_during_task('mariadb', 'mc-compute2')
