/*
 * bus_device.c - the calls a port makes on a bus device that has optional
 * operations (see bus_device.h); the required ones are inline.
 */
#include "dfu/error.h"
#include "sim/bus_device.h"

bool sim_bus_dev_valid(const struct sim_bus_dev *d)
{
	const struct sim_bus_dev_ops *o = d ? d->ops : NULL;

	return o && o->on_bus && o->generation && o->control && o->bus_reset && o->usb &&
	       o->serial;
}

void sim_bus_dev_tick(const struct sim_bus_dev *d, uint64_t now_us)
{
	if (d->ops->tick)
		d->ops->tick(d->dev, now_us);
}

bool sim_bus_dev_present(const struct sim_bus_dev *d, uint64_t now_us)
{
	sim_bus_dev_tick(d, now_us);
	return d->ops->on_bus(d->dev);
}

int sim_bus_dev_power(const struct sim_bus_dev *d, bool on, uint64_t now_us)
{
	if (!d->ops->power)
		return DFU_E_UNSUPPORTED;
	d->ops->power(d->dev, on, now_us);
	return 0;
}
